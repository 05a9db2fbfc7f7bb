/** The Thymeleaf admin console under {@code /admin}, one package per page. */
@NullMarked
package io.moeplatform.admin;

import org.jspecify.annotations.NullMarked;
