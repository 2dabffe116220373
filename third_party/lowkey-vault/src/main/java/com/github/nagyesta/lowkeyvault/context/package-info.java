@NullMarked
package com.github.nagyesta.lowkeyvault.context;

import org.jspecify.annotations.NullMarked;
