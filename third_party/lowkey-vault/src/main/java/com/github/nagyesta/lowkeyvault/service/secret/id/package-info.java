@NullMarked
package com.github.nagyesta.lowkeyvault.service.secret.id;

import org.jspecify.annotations.NullMarked;
