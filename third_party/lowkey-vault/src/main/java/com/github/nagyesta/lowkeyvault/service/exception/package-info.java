@NullMarked
package com.github.nagyesta.lowkeyvault.service.exception;

import org.jspecify.annotations.NullMarked;
