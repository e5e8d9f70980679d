/**
 * Templates people actually type against `docker inspect` / `podman inspect` (ECOSYSTEM.md §2.2), run
 * against an inspect object in docker's shape (plain objects, as the engine builds them).
 */
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../../cmd/format/template.ts';
import { renderInspect } from '../../../cmd/format/report.ts';

const container = {
  Id: '3f4e8a9c1b2d3f4e8a9c1b2d3f4e8a9c1b2d3f4e8a9c1b2d3f4e8a9c1b2d3f4e',
  Created: new Date(Date.UTC(2023, 2, 2, 20, 59, 19, 123)),
  Path: 'sh',
  Args: ['-c', 'sleep 1000'],
  State: { Status: 'running', Running: true, Pid: 4242, ExitCode: 0, Health: { Status: 'healthy' } },
  Image: 'sha256:9c6f0724472873bb50a2ae67a9e7adcb57673a183cea8b06eb778dca859181b5',
  Name: '/kind-control-plane',
  HostConfig: { Runtime: 'runc', Memory: 0, Binds: null },
  Mounts: [
    { Type: 'bind', Source: '/srv/data', Destination: '/data', Mode: 'ro', RW: false },
    { Type: 'volume', Source: '/var/lib/tsengine/volumes/v1/_data', Destination: '/cache', Mode: '', RW: true },
  ],
  Config: {
    Hostname: 'kind-control-plane',
    Env: ['PATH=/usr/local/sbin:/usr/bin', 'container=docker'],
    Cmd: ['sleep', '1000'],
    Image: 'kindest/node:v1.29.2',
    Labels: { 'io.x-k8s.kind.role': 'control-plane', 'io.x-k8s.kind.cluster': 'kind', 'a<b>&c': 'html' },
  },
  NetworkSettings: {
    Ports: {
      '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '41537' }],
      '80/tcp': null,
    },
    Networks: { kind: { IPAddress: '172.18.0.2', Gateway: '172.18.0.1' } },
  },
};

const run = (text: string): string => compileTemplate(text).execute(container);

describe('real-world inspect templates', () => {
  it.each([
    // kind: the API server's host port
    ['{{ with (index (index .NetworkSettings.Ports "6443/tcp") 0) }}{{ printf "%s\\t%s" .HostIp .HostPort }}{{ end }}', '127.0.0.1\t41537'],
    ['{{(index (index .NetworkSettings.Ports "6443/tcp") 0).HostPort}}', '41537'],
    ['{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}', 'a<b>&c=html io.x-k8s.kind.cluster=kind io.x-k8s.kind.role=control-plane '],
    ['{{range .Mounts}}-v {{.Source}}:{{.Destination}}{{if .Mode}}:{{.Mode}}{{end}} {{end}}', '-v /srv/data:/data:ro -v /var/lib/tsengine/volumes/v1/_data:/cache '],
    ['{{json .Config}}', '{"Hostname":"kind-control-plane","Env":["PATH=/usr/local/sbin:/usr/bin","container=docker"],"Cmd":["sleep","1000"],"Image":"kindest/node:v1.29.2","Labels":{"io.x-k8s.kind.role":"control-plane","io.x-k8s.kind.cluster":"kind","a<b>&c":"html"}}'],
    ['{{.Name | printf "%q"}}', '"/kind-control-plane"'],
    ['{{.State.Status}}', 'running'],
    ['{{.State.Health.Status}}', 'healthy'],
    ['{{.HostConfig.Runtime}}', 'runc'],
    ['{{.Config.Env}}', '[PATH=/usr/local/sbin:/usr/bin container=docker]'],
    ['{{json .Created}}', '"2023-03-02T20:59:19.123Z"'],
    ['{{.Created}}', '2023-03-02 20:59:19.123 +0000 UTC'],
    ['{{.Config.Hostname}} {{.Image}}', 'kind-control-plane sha256:9c6f0724472873bb50a2ae67a9e7adcb57673a183cea8b06eb778dca859181b5'],
    ['{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', '172.18.0.2'],
    ['{{range $net, $cfg := .NetworkSettings.Networks}}{{$net}}:{{$cfg.Gateway}}{{end}}', 'kind:172.18.0.1'],
    ['{{if eq .State.Status "running"}}up{{else}}down{{end}}', 'up'],
    ['{{.State.Pid}}', '4242'],
    ['{{slice .Id 0 12}}', '3f4e8a9c1b2d'],
    ['{{index .Config.Labels "io.x-k8s.kind.cluster"}}', 'kind'],
    ['[{{index .Config.Labels "com.docker.compose.project"}}]', '[]'],
    ['{{len .Mounts}} mounts, {{len .Config.Labels}} labels', '2 mounts, 3 labels'],
    ['{{join .Config.Cmd " "}}', 'sleep 1000'],
    ['{{range $p, $b := .NetworkSettings.Ports}}{{$p}}{{if $b}}->{{(index $b 0).HostPort}}{{end}} {{end}}', '6443/tcp->41537 80/tcp '],
    ['{{.HostConfig.Binds}}', '<nil>'],
    ['{{.Config.Missing}}', '<no value>'],
    ['{{- range .Config.Env }}\n{{ . }}\n{{- end }}', '\nPATH=/usr/local/sbin:/usr/bin\ncontainer=docker'],
  ])('%j', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('inspect -f applies the template to each element, one line each', () => {
    const other = { ...container, Name: '/db', State: { ...container.State, Status: 'exited' } };
    expect(renderInspect('{{.Name}} {{.State.Status}}', [container, other])).toBe('/kind-control-plane running\n/db exited\n');
  });

  it('inspect -f {{json .State}} prints one compact object per element', () => {
    expect(renderInspect('{{json .NetworkSettings.Networks}}', [container])).toBe('{"kind":{"IPAddress":"172.18.0.2","Gateway":"172.18.0.1"}}\n');
  });
});
