@NullMarked
package com.github.nagyesta.lowkeyvault.context.util;

import org.jspecify.annotations.NullMarked;
