# syntax=docker/dockerfile:1
# Build: compile TypeScript and fetch + verify the embedded models (npm ci runs `prepare`).
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY models/manifest.json models/NOTICE ./models/
RUN npm ci --no-audit --no-fund
# Production dependencies only; native modules rebuilt against Node 24's headers.
RUN npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/models ./models
COPY config ./config
USER node
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["--help"]
