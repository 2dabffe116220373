@NullMarked
package com.github.nagyesta.lowkeyvault.service.key.util;

import org.jspecify.annotations.NullMarked;
