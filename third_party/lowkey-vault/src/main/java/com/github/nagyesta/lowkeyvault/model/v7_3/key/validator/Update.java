package com.github.nagyesta.lowkeyvault.model.v7_3.key.validator;

public interface Update {
}
