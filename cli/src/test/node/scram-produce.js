// Produces one record with kafkajs over SASL_SSL (SCRAM-SHA-512), as SecureClusterTest runs it:
//   node scram-produce.js BOOTSTRAP USER PASSWORD CA_FILE TOPIC
// Exits 0 once the record is acknowledged by all in-sync replicas, 1 with the error otherwise.
const { Kafka, logLevel } = require('kafkajs');
const fs = require('fs');

const [bootstrap, username, password, ca, topic] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'weir-kafkajs-test',
  brokers: bootstrap.split(','),
  logLevel: logLevel.NOTHING,
  retry: { retries: 2 },
  ssl: { ca: [fs.readFileSync(ca, 'utf-8')] },
  sasl: { mechanism: 'scram-sha-512', username, password },
});

(async () => {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key: 'js', value: 'from-kafkajs' }] });
  await producer.disconnect();
})().catch((e) => {
  console.error('FAILED', e.message);
  process.exit(1);
});
