@NullMarked
package com.github.nagyesta.lowkeyvault.service.common.impl;

import org.jspecify.annotations.NullMarked;
