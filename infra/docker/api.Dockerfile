# syntax=docker/dockerfile:1.7
# The api image. Build from the repository root (the version tag is what jobs/api.nomad.hcl pins):
#   docker build -f infra/docker/api.Dockerfile -t flowstack/api:0.1.0 .
# packages/job-validator/test/production-artifact.test.ts repeats the prune, deps and artifact
# steps without Docker and starts the result with the env of the job spec.
ARG NODE_IMAGE=node:20.20.0-bookworm-slim

# Only the workspaces @flowstack/api depends on, with a lock file pruned to them.
FROM ${NODE_IMAGE} AS prune
WORKDIR /src
COPY . .
RUN npx --yes turbo@2.11.11 prune @flowstack/api --docker --out-dir /out

# Full install and build; keeps only each workspace's dist (and the SQL migrations).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=prune /out/json/ ./
RUN npm ci --no-audit --no-fund
COPY --from=prune /out/full/ ./
RUN npx turbo run build --filter=@flowstack/api... --output-logs=errors-only \
 && for dir in packages/* services/*; do \
      mkdir -p "/artifact/$dir"; \
      if [ -d "$dir/dist" ]; then cp -r "$dir/dist" "/artifact/$dir/"; fi; \
      if [ -d "$dir/migrations" ]; then cp -r "$dir/migrations" "/artifact/$dir/"; fi; \
    done

# Production dependencies only: no compiler, linters or test tools in the image.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=prune /out/json/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /artifact ./
# The code stays root-owned and read-only for the process, which runs as the image's node user.
USER node
WORKDIR /app/services/api
EXPOSE 3000
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
