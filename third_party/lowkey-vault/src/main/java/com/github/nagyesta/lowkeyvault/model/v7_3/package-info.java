@NullMarked
package com.github.nagyesta.lowkeyvault.model.v7_3;

import org.jspecify.annotations.NullMarked;
