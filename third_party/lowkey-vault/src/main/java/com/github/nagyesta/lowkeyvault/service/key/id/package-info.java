@NullMarked
package com.github.nagyesta.lowkeyvault.service.key.id;

import org.jspecify.annotations.NullMarked;
