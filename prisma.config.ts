import { defineConfig } from "prisma/config";

// The stock CLI reads this file. Our own offline tools (prisma/tools/) read the same paths.
// DATABASE_URL is only needed by CLI commands that talk to a database; `generate` does not.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/leadrelay" },
});
