package com.github.nagyesta.lowkeyvault.mapper;

import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;

@Configuration
@ComponentScan
public class MapperConfig {
}
