@NullMarked
package com.github.nagyesta.lowkeyvault.controller.v7_3;

import org.jspecify.annotations.NullMarked;
