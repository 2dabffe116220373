@NullMarked
package com.github.nagyesta.lowkeyvault.model.v7_2.secret.request;

import org.jspecify.annotations.NullMarked;
