// Produces one record with kafkajs over mutual TLS (an SSL listener with ssl.client.auth: required),
// as MutualTlsClientsTest runs it:
//   node mtls-produce.js BOOTSTRAP CA_FILE CERT_FILE KEY_FILE TOPIC
// CERT_FILE and KEY_FILE are PEM files (the certificate, the PKCS#8 key); "-" for both connects
// without a client certificate. Exits 0 once the record is acknowledged by all in-sync replicas,
// 1 with the error otherwise.
const { Kafka, logLevel } = require('kafkajs');
const fs = require('fs');

const [bootstrap, ca, cert, key, topic] = process.argv.slice(2);
const ssl = { ca: [fs.readFileSync(ca, 'utf-8')] };
if (cert !== '-') {
  ssl.cert = fs.readFileSync(cert, 'utf-8');
  ssl.key = fs.readFileSync(key, 'utf-8');
}
const kafka = new Kafka({
  clientId: 'weir-kafkajs-mtls-test',
  brokers: bootstrap.split(','),
  logLevel: logLevel.NOTHING,
  retry: { retries: 2 },
  ssl,
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
