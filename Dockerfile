# syntax=docker/dockerfile:1
# immich-people: the sidecar image. Node 24 LTS at run time; the code also runs on Node 20.

# ---- build: compile TypeScript, fetch + verify + convert the embedded models (npm ci runs `prepare`)
FROM node:24-bookworm-slim AS build
WORKDIR /app
# ORT_DISABLE_TELEMETRY: onnxruntime's native telemetry off (the code forces it too: src/privacy.ts)
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    ORT_DISABLE_TELEMETRY=1
# node-gyp builds better-sqlite3 and hnswlib-node from source
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY models/manifest.json models/NOTICE ./models/
RUN npm ci --no-audit --no-fund \
  && npm prune --omit=dev \
  && rm -rf models/.cache

# ---- run
FROM node:24-bookworm-slim
WORKDIR /app
# glibc's per-thread arenas grow with every decoded preview; two arenas cut peak RSS 356 → 287 MB in the bench.
# ORT_DISABLE_TELEMETRY: nothing leaves the machine, whatever the entry point (the code forces it too: src/privacy.ts)
# IMMICH_PEOPLE_HOST: the status port listens on loopback by default; in a container it must answer on the container's
# own address, for compose's port mapping and other containers (outside, map it to 127.0.0.1:3031 to keep it local)
ENV NODE_ENV=production \
    ORT_DISABLE_TELEMETRY=1 \
    MALLOC_ARENA_MAX=2 \
    IMMICH_PEOPLE_DB=/data/immich-people.db \
    IMMICH_PEOPLE_PORT=3031 \
    IMMICH_PEOPLE_HOST=0.0.0.0
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/models ./models
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3031
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.IMMICH_PEOPLE_PORT||3031)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# --initial-old-space-size and --expose-gc: see the first lines of src/cli/main.ts (npm start passes them too)
ENTRYPOINT ["node", "--initial-old-space-size=64", "--expose-gc", "dist/src/cli/main.js"]
CMD ["run"]
