# syntax=docker/dockerfile:1
# The splitguard image: `ghcr.io/splitguard/splitguard:<version>`, the Helm chart's default image
# (charts/splitguard, appVersion = package.json's version). It ships the compiled dist/ (no
# TypeScript sources, so bin/splitguard.js runs dist/src/cli/run.js) and production dependencies
# only, and runs as an unprivileged user (uid/gid 10001, the chart's podSecurityContext). The
# root filesystem can be read-only; the DNS server needs a writable /tmp (the chart mounts one).
# Build: docker build -t ghcr.io/splitguard/splitguard:0.1.0 .
# NODE_MAJOR must be the major scripts/provision.sh provisions (a unit test checks it).
ARG NODE_MAJOR=24

FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY machines ./machines
COPY simulations ./simulations
RUN npx tsc -p tsconfig.build.json

FROM node:${NODE_MAJOR}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_MAJOR}-bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="splitguard" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/splitguard/splitguard" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
USER 10001:10001
# DNS (UDP and TCP) and metrics/health; unprivileged ports, so no NET_BIND_SERVICE.
EXPOSE 5353/udp 5353/tcp 9153/tcp
ENTRYPOINT ["node", "/app/bin/splitguard.js"]
CMD ["--help"]
