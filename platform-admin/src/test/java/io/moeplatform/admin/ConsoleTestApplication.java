package io.moeplatform.admin;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The configuration the console's slice tests start from (the console has no application of its own). */
@SpringBootApplication
public class ConsoleTestApplication {}
