@NullMarked
package com.github.nagyesta.lowkeyvault.service.vault;

import org.jspecify.annotations.NullMarked;
