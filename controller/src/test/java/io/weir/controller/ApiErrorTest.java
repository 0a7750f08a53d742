package io.weir.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The broker answers clients with {@code Errors.forCode(apiError.code())}, so every code the
 * controller can return must be the kafka-clients error of the same name (the same meaning,
 * the same exception on the client), not just some error with that number.
 */
class ApiErrorTest {

    @ParameterizedTest
    @EnumSource(ApiError.class)
    void eachCodeIsTheKafkaErrorOfTheSameName(ApiError error) {
        Errors kafka = Errors.forCode(error.code());

        assertThat(kafka.name()).isEqualTo(error.name());
        assertThat(kafka.code()).isEqualTo(error.code());
        assertThat(Errors.valueOf(error.name()).code()).isEqualTo(error.code());
    }

    @Test
    void noTwoErrorsShareACode() {
        assertThat(Arrays.stream(ApiError.values()).map(ApiError::code)).doesNotHaveDuplicates();
    }

    @Test
    void okIsNone() {
        assertThat(ApiStatus.OK.error().code()).isEqualTo(Errors.NONE.code());
        assertThat(ApiStatus.OK.isOk()).isTrue();
    }
}
