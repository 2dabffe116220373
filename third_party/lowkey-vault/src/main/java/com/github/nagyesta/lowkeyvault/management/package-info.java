@NullMarked
package com.github.nagyesta.lowkeyvault.management;

import org.jspecify.annotations.NullMarked;
