// Runs telegram-test-api (the npm package) as a service: node telegram-server.js PORT
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
server.start().then(() => console.log(`telegram-test-api listening on ${server.config.apiURL}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.stop().then(() => process.exit(0)));
}
