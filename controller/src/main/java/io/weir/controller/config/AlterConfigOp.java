package io.weir.controller.config;

/** One incremental config change; {@code value} is ignored for DELETE. */
public record AlterConfigOp(String name, OpType op, String value) {
    /** Codes match Kafka's {@code AlterConfigOp.OpType}. */
    public enum OpType {
        SET(0), DELETE(1), APPEND(2), SUBTRACT(3);

        private final byte code;

        OpType(int code) {
            this.code = (byte) code;
        }

        public byte code() {
            return code;
        }
    }
}
