import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: ["./src/store/schema.ts", "./src/store/composition-schema.ts", "./src/store/identity-schema.ts"],
  out: "./src/store/migrations",
});
