package io.weir.controller.coordination;

import java.util.Optional;

/**
 * The request needs the active controller and this node is not it (Kafka error
 * NOT_CONTROLLER). Carries the active controller when known so the caller can redirect.
 */
public final class NotControllerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ControllerLocation knownController;

    public NotControllerException(String message, Optional<ControllerLocation> knownController) {
        super(message, null, false, false);
        this.knownController = knownController.orElse(null);
    }

    public Optional<ControllerLocation> knownController() {
        return Optional.ofNullable(knownController);
    }
}
