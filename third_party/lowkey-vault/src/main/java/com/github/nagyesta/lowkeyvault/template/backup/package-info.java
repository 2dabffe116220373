@NullMarked
package com.github.nagyesta.lowkeyvault.template.backup;

import org.jspecify.annotations.NullMarked;
