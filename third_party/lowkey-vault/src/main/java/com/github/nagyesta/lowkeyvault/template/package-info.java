@NullMarked
package com.github.nagyesta.lowkeyvault.template;

import org.jspecify.annotations.NullMarked;
