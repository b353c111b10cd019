// Where a model fetch may connect. The source URI (and a store endpoint from
// the InferenceService's Secret) is written by a tenant, so an address that
// reaches the node's own identity (cloud metadata servers, link-local) is
// refused unless the administrator allows it; the SDKs' own credential
// endpoints (IMDS, ECS/EKS, the GKE metadata server) are a separate path that
// this policy does not govern. Checked on every DNS answer through the
// agents' `lookup`, so a name that resolves to a blocked address is refused
// at connect time, not just once before the fetch.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { FetchError } from './errors.ts';

const BLOCKED = new BlockList();
// Link-local: AWS/GCP/Azure/OpenStack metadata (169.254.169.254), ECS/EKS
// Pod Identity agents (169.254.170.x), and anything else on the link.
BLOCKED.addSubnet('169.254.0.0', 16, 'ipv4');
BLOCKED.addSubnet('fe80::', 10, 'ipv6');
// Metadata servers outside link-local: AWS IMDS over IPv6, Alibaba Cloud, Azure's WireServer.
BLOCKED.addAddress('fd00:ec2::254', 'ipv6');
BLOCKED.addAddress('100.100.100.200', 'ipv4');
BLOCKED.addAddress('168.63.129.16', 'ipv4');

/** True for an address a tenant's URL must not reach (IPv4-mapped IPv6 included). */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface AddressPolicy {
  /** The administrator's switch: allow link-local and metadata addresses. */
  readonly allowMetadataAddresses: boolean;
}

function refuse(host: string, address: string): FetchError {
  return new FetchError(`refusing to connect to ${host} (${address}): link-local and cloud metadata addresses are not allowed for model storage`);
}

/** Checks a URL whose host is an IP literal (no DNS lookup happens for those). */
export function checkUrlHost(url: URL, policy: AddressPolicy): void {
  if (policy.allowMetadataAddresses) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isBlockedAddress(host)) throw refuse(url.hostname, host);
}

/** A `lookup` for http(s) agents that fails when any answer is a blocked address. */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      if (!policy.allowMetadataAddresses) {
        const bad = addresses.find((a) => isBlockedAddress(a.address));
        if (bad) return callback(refuse(hostname, bad.address));
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new FetchError(`${hostname}: no addresses`));
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}
