package com.github.nagyesta.lowkeyvault.model.v7_2.secret;

import com.github.nagyesta.lowkeyvault.model.v7_2.BasePropertiesModel;

public final class SecretPropertiesModel extends BasePropertiesModel {

}
