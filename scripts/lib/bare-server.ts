// The baseline of bench:ingest: Fastify parsing the same JSON body and answering 204, nothing else.
import Fastify from 'fastify';

const app = Fastify();
app.post('/pubsub/push', (request, reply) => {
  const body = request.body as { message?: { messageId?: string } } | undefined;
  return body?.message?.messageId ? reply.code(204).send() : reply.code(400).send();
});
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
