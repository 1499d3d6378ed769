# BigCommerce webhook consumer: build with the full toolchain, run on distroless Node 24 as nonroot.
# test/deploy/production-install.test.ts replays these steps outside Docker (no Docker engine on the
# dev machines): production install, build, start, /healthz, SIGTERM -> exit 0.

# --- production dependencies only ------------------------------------------------------------
# A separate stage so no devDependency can leak into the image. Notably the devDependency `node`
# (an npm package that downloads a Node binary in its install script, used for local tooling) is
# not installed with --omit=dev; the runtime stage brings its own Node.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false --no-audit --no-fund \
 && test ! -e node_modules/node

# --- build: TypeScript -> dist/, the merchant app's bundle -> dist/web/ ----------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

# --- runtime --------------------------------------------------------------------------------------
# Distroless: no shell, no package manager; the image's entrypoint is `node`. Debian 13 images
# (the debian12 Node images are end of life). Runs as uid 65532.
FROM gcr.io/distroless/nodejs24-debian13:nonroot
WORKDIR /app
ENV NODE_ENV=production
# package.json is needed at runtime: its "type": "module" makes dist/*.js ES modules.
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Cloud Run sets PORT (8080 unless configured); the service listens on 0.0.0.0:$PORT.
ENV PORT=8080
EXPOSE 8080
USER nonroot
# Exec form: node is PID 1 and receives SIGTERM directly for the graceful shutdown.
CMD ["dist/main.js"]
