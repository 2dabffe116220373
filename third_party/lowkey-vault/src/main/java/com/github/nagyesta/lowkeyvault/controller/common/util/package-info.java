@NullMarked
package com.github.nagyesta.lowkeyvault.controller.common.util;

import org.jspecify.annotations.NullMarked;
