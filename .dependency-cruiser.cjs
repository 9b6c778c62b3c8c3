/**
 * The layering rules of DESIGN.md, enforced in CI (`npm run layers`):
 * core/ is the product and imports no adapter; bot/, admin/ and jobs/ never import each other;
 * only main.ts knows every adapter.
 */
const ADAPTER_LIBS =
  "node_modules/(grammy|@grammyjs|@whiskeysockets/baileys|fastify|@fastify|bullmq|ioredis|openai|nodemailer|twilio|pg|@electric-sql)/";

module.exports = {
  forbidden: [
    {
      name: "core-imports-no-adapter-library",
      comment: "core/ holds the rules; channels, web, queues and LLM clients stay outside it (DESIGN.md).",
      severity: "error",
      from: { path: "^core/" },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        path: ADAPTER_LIBS,
      },
    },
    {
      name: "core-imports-no-adapter-code",
      severity: "error",
      from: { path: "^core/" },
      to: { path: "^(bot|admin|jobs|prompts)/|^main\\.ts$" },
    },
    {
      name: "core-no-io-builtins",
      comment: "core/ does no I/O: no fs, net, http, child_process.",
      severity: "error",
      from: { path: "^core/" },
      to: {
        dependencyTypes: ["core"],
        path: "^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|tls|dns|cluster|worker_threads)$",
      },
    },
    {
      name: "adapters-do-not-import-each-other",
      severity: "error",
      from: { path: "^(bot|admin|jobs)/" },
      to: { path: "^(bot|admin|jobs)/", pathNot: "^$1/" },
    },
    {
      name: "only-main-composes",
      severity: "error",
      from: { pathNot: "^(main\\.ts|tests/)" },
      to: { path: "^main\\.ts$" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^prisma/generated" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
