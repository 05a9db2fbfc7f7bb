package io.moeplatform.admin.system;

/** A console page was asked for a tenant, key or other thing that does not exist. */
public class NotFoundException extends RuntimeException {

    public NotFoundException(String message) {
        super(message);
    }
}
