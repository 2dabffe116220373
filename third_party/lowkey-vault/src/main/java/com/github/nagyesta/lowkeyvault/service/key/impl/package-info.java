@NullMarked
package com.github.nagyesta.lowkeyvault.service.key.impl;

import org.jspecify.annotations.NullMarked;
