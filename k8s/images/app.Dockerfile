# syntax=docker/dockerfile:1.7
# One image for every process of the backend; its first argument picks the process
# (app-entrypoint.sh): api | relay | consumer <group> | prepare | relay-debezium [register|drop|status] | janitor
#
#   docker build -f k8s/images/app.Dockerfile -t registry.example.com/todo/todo-backbone:0.1.0 .
#
# Build context: the repository root (app.Dockerfile.dockerignore keeps it small).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: production dependencies and the generated Prisma client -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
# No dev dependencies (jest, typescript): the services run TypeScript through tsx, a runtime dependency.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# The client is generated from the schema; prisma.config.ts (read by the CLI) imports lib/env.ts.
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY lib ./lib
RUN npx --no-install prisma generate

# --- runtime: the sources, read-only, run by an unprivileged numeric user ---------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp \
    npm_config_cache=/tmp/.npm \
    npm_config_update_notifier=false \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    CHECKPOINT_DISABLE=1
WORKDIR /app
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /tmp --shell /usr/sbin/nologin app
# Owned by root and not writable by the app user: with readOnlyRootFilesystem only /tmp (an
# emptyDir: tsx's compile cache, npx's cache) can be written.
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY lib ./lib
COPY schemas ./schemas
COPY api ./api
COPY relay ./relay
COPY consumers ./consumers
COPY debezium ./debezium
COPY scripts ./scripts
COPY k8s/images/db-probe.cjs ./k8s/images/db-probe.cjs
COPY --chmod=0755 k8s/images/app-entrypoint.sh /usr/local/bin/todo
USER 10001:10001
# api 3000; relay metrics 9464; consumer metrics 9470-9474
EXPOSE 3000 9464 9470 9471 9472 9473 9474
ENTRYPOINT ["/usr/local/bin/todo"]
CMD ["api"]
