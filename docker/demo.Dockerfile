# The ragmeter demo RAG service, built from this repository (docker-compose.yml service `demo`).
FROM node:20-slim

WORKDIR /app

# The whole workspace: npm ci needs every workspace's package.json, the build needs the sources.
# docker/demo.Dockerfile.dockerignore keeps node_modules and build output out of the context.
COPY . .
RUN npm ci && npm run build

ENV NODE_ENV=production
EXPOSE 9464
CMD ["npm", "run", "demo", "--"]
