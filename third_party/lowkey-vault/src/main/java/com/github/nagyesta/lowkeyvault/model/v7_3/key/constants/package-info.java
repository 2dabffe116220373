@NullMarked
package com.github.nagyesta.lowkeyvault.model.v7_3.key.constants;

import org.jspecify.annotations.NullMarked;
