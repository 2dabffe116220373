@NullMarked
package com.github.nagyesta.lowkeyvault.service.secret.impl;

import org.jspecify.annotations.NullMarked;
