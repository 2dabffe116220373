@NullMarked
package com.github.nagyesta.lowkeyvault.service;

import org.jspecify.annotations.NullMarked;
