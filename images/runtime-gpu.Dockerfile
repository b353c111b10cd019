# syntax=docker/dockerfile:1
# The Modelship runtime image with onnxruntime's CUDA execution provider.
# Build from the repository root:
#   docker build -f images/runtime-gpu.Dockerfile -t modelship/runtime-gpu:0.1.0 .
# The CUDA EP libraries are too large for the npm registry, so onnxruntime-node
# downloads them in its postinstall when asked with ONNXRUNTIME_NODE_INSTALL=cuda12;
# that happens here, at image build, never at pod start. The final stage is
# NVIDIA's CUDA 12 runtime with cuDNN 9 (what onnxruntime 1.30's CUDA 12 build
# links against), with the pinned Node binary copied in from the official image.

FROM node:24.21.0-bookworm-slim AS node

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
ENV ONNXRUNTIME_NODE_INSTALL=cuda12 npm_config_update_notifier=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && test -e node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "dist/runtime/src/main.js"]
CMD ["serve"]
