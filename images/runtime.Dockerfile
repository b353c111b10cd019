# syntax=docker/dockerfile:1
# The Modelship runtime image for CPU inference. Build from the repository root:
#   docker build -f images/runtime.Dockerfile -t modelship/runtime:0.1.0 .
# onnxruntime-node ships its CPU binaries inside the npm package, so the
# production install skips the postinstall download (CUDA files only). The
# same image runs `serve` (the model server) and `fetch` (the init container
# that copies a model from object storage into an emptyDir).

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
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
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24.21.0-bookworm-slim
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "dist/runtime/src/main.js"]
CMD ["serve"]
