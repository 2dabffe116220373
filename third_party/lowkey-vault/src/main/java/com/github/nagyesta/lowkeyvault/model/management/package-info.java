@NullMarked
package com.github.nagyesta.lowkeyvault.model.management;

import org.jspecify.annotations.NullMarked;
