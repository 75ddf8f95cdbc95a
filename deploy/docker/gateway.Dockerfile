# The API gateway image: nginx with the compose variant of the gateway config (same routes as
# deploy/gateway/nginx.conf.template, upstreams named identity-api, contracts-api, notify-api)
# and the PRODUCTION rate limits (deploy/gateway/rate-limits.conf; the local stack runs with
# rate-limits.local.conf). Kubernetes starts it with its own variant of the config (ConfigMap
# gateway-nginx mounted at /etc/nginx/gateway/). Unprivileged: listens on 8080.
FROM nginxinc/nginx-unprivileged:1.27-alpine
COPY deploy/docker/nginx.conf /etc/nginx/nginx.conf
COPY deploy/gateway/rate-limits.conf /etc/nginx/rate-limits.conf
# The published event documents, served under /schemas/ (their $ids point there); not released/.
COPY libs/events/schemas/*.json /usr/share/nginx/schemas/
# The /docs/ page: our index and initializer, Swagger UI's assets (npm ci in deploy/gateway/docs first).
COPY deploy/gateway/docs/index.html deploy/gateway/docs/swagger-initializer.js /usr/share/nginx/docs/
COPY deploy/gateway/docs/node_modules/swagger-ui-dist/ /usr/share/nginx/docs/node_modules/swagger-ui-dist/
# The web client (ADR 0014): Vite's build of web/ (npm ci && npm run build in web/ first).
COPY web/dist/ /usr/share/nginx/web/
EXPOSE 8080
