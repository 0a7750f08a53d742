package io.weir.controller;

/** An error code with an optional human-readable message (null when there is none). */
public record ApiStatus(ApiError error, String message) {
    public static final ApiStatus OK = new ApiStatus(ApiError.NONE, null);

    public static ApiStatus of(ApiError error, String message) {
        return new ApiStatus(error, message);
    }

    public boolean isOk() {
        return error == ApiError.NONE;
    }
}
