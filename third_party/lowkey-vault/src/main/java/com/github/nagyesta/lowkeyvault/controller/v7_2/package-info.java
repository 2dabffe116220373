@NullMarked
package com.github.nagyesta.lowkeyvault.controller.v7_2;

import org.jspecify.annotations.NullMarked;
