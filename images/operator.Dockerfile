# syntax=docker/dockerfile:1
# The Modelship operator image. Build from the repository root:
#   docker build -f images/operator.Dockerfile -t modelship/operator:0.1.0 .
# Three stages: compile TypeScript to dist/, install production dependencies
# only, then copy both onto a slim Node base that runs as a numeric non-root
# user (so `runAsNonRoot: true` can verify it) with an exec-form entrypoint
# that needs no shell. The Node tag must equal .node-version (a test checks).

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
# onnxruntime-node's postinstall fetches optional CUDA files; the compiler
# needs none of them.
ENV ONNXRUNTIME_NODE_INSTALL=skip npm_config_update_notifier=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY common/src common/src
COPY operator/src operator/src
COPY runtime/src runtime/src
RUN npx tsc -p tsconfig.build.json

FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip npm_config_update_notifier=false
COPY package.json package-lock.json ./
# One package.json serves both binaries; the operator never loads onnxruntime
# (a test checks), so its ~60 MB of native libraries are dropped here.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && rm -rf node_modules/onnxruntime-node node_modules/onnxruntime-common

FROM node:24.21.0-bookworm-slim
# npm and corepack are build tools; the operator never runs them.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-*
WORKDIR /app
ENV NODE_ENV=production
# Measured to keep RSS under 200 MB at 1,000 InferenceServices (bench/results/operator.md);
# the chart overrides it with values.nodeOptions.
ENV NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=128"
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
USER 1000:1000
EXPOSE 8081
ENTRYPOINT ["node", "dist/operator/src/main.js"]
