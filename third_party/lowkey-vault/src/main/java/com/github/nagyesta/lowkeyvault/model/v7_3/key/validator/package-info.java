@NullMarked
package com.github.nagyesta.lowkeyvault.model.v7_3.key.validator;

import org.jspecify.annotations.NullMarked;
