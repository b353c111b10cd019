// The core/v1 Affinity of `spec.predictor.affinity`, written out with bounds.
// It was a preserve-unknown-fields object: a tenant could store megabytes in
// one InferenceService (every one sits in the operator's 128 MB cache) or
// fields the tenant policy never looks at. Kubernetes itself bounds none of
// these lists; the limits below are far above any placement a model needs
// (the worst case is a few tens of kB) and the API server names the field
// that passes one.
import type { JsonSchema } from './schema.ts';

const MAX_TERMS = 8;
const MAX_EXPRESSIONS = 8;
const MAX_VALUES = 16;
/** A qualified label key: a 253-character DNS prefix, '/', a 63-character name. */
const KEY = { type: 'string', minLength: 1, maxLength: 317 };
const LABEL_VALUE = { type: 'string', maxLength: 63 };

const requirement = (title: string, what: string, operators: readonly string[]): JsonSchema => ({
  type: 'object',
  title,
  description: `A ${what} requirement: key, operator and values.`,
  required: ['key', 'operator'],
  properties: {
    key: { ...KEY, description: `The ${what} key the requirement applies to.` },
    operator: { type: 'string', enum: operators, description: `How the key relates to the values: ${operators.join(', ')}.` },
    values: { type: 'array', maxItems: MAX_VALUES, items: LABEL_VALUE, description: 'Values for In and NotIn (one integer for Gt and Lt); empty for Exists and DoesNotExist.' },
  },
});

const nodeRequirement = requirement('NodeSelectorRequirement', 'node label (or field)', ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);

const nodeSelectorTerm: JsonSchema = {
  type: 'object',
  title: 'NodeSelectorTerm',
  description: 'Node requirements that must all hold (ANDed).',
  properties: {
    matchExpressions: { type: 'array', maxItems: MAX_EXPRESSIONS, items: nodeRequirement, description: 'Requirements on node labels.' },
    matchFields: { type: 'array', maxItems: MAX_EXPRESSIONS, items: nodeRequirement, description: 'Requirements on node fields (metadata.name).' },
  },
};

/** A bounded list of `{ weight, <field>: term }`, the shape of every preferred* field. */
const preferred = (description: string, title: string, itemDescription: string, field: string, term: JsonSchema): JsonSchema => ({
  type: 'array',
  maxItems: MAX_TERMS,
  description,
  items: {
    type: 'object',
    title,
    description: itemDescription,
    required: ['weight', field],
    properties: { weight: { type: 'integer', minimum: 1, maximum: 100, description: 'Weight of the term, 1-100.' }, [field]: term },
  },
});

const nodeAffinity: JsonSchema = {
  type: 'object',
  title: 'NodeAffinity',
  description: 'Which nodes the predictor pods may (required) or would rather (preferred) run on.',
  properties: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      type: 'object',
      title: 'NodeSelector',
      description: 'Node terms of which at least one must match (ORed).',
      required: ['nodeSelectorTerms'],
      properties: { nodeSelectorTerms: { type: 'array', minItems: 1, maxItems: MAX_TERMS, items: nodeSelectorTerm, description: 'The terms, ORed.' } },
    },
    preferredDuringSchedulingIgnoredDuringExecution: preferred('Weighted node terms the scheduler favours.', 'PreferredSchedulingTerm', 'A node term with a weight.', 'preference', nodeSelectorTerm),
  },
};

const labelSelector = (title: string, description: string): JsonSchema => ({
  type: 'object',
  title,
  description,
  properties: {
    matchLabels: {
      type: 'object',
      maxProperties: MAX_EXPRESSIONS,
      additionalProperties: LABEL_VALUE,
      'x-kubernetes-validations': [{ rule: `self.all(k, k.size() <= ${KEY.maxLength})`, message: `keys must be at most ${KEY.maxLength} characters` }],
      description: 'Labels that must all match.',
    },
    matchExpressions: {
      type: 'array',
      maxItems: MAX_EXPRESSIONS,
      items: requirement('LabelSelectorRequirement', 'label', ['In', 'NotIn', 'Exists', 'DoesNotExist']),
      description: 'Label requirements that must all hold.',
    },
  },
});

const keyList = (description: string): JsonSchema => ({ type: 'array', maxItems: MAX_EXPRESSIONS, items: KEY, description });

const podAffinityTerm: JsonSchema = {
  type: 'object',
  title: 'PodAffinityTerm',
  description: 'Pods (selected by labels, in namespaces) whose topology domain the predictor pods join or avoid.',
  required: ['topologyKey'],
  properties: {
    labelSelector: labelSelector('LabelSelector', 'Which pods the term is about.'),
    namespaceSelector: labelSelector('NamespaceSelector', 'Namespaces whose pods the term is about (the tenant policy allows only the own namespace).'),
    namespaces: { type: 'array', maxItems: MAX_EXPRESSIONS, items: { type: 'string', maxLength: 63 }, description: 'Namespaces whose pods the term is about (the tenant policy allows only the own namespace).' },
    topologyKey: { ...KEY, description: 'Node label whose value defines the topology domain (e.g. kubernetes.io/hostname).' },
    matchLabelKeys: keyList("Pod label keys whose values the incoming pod's must equal."),
    mismatchLabelKeys: keyList("Pod label keys whose values the incoming pod's must differ from."),
  },
};

const podAffinity = (title: string, description: string): JsonSchema => ({
  type: 'object',
  title,
  description,
  properties: {
    requiredDuringSchedulingIgnoredDuringExecution: { type: 'array', maxItems: MAX_TERMS, items: podAffinityTerm, description: 'Terms that must all hold.' },
    preferredDuringSchedulingIgnoredDuringExecution: preferred('Weighted terms the scheduler favours.', 'WeightedPodAffinityTerm', 'A pod affinity term with a weight.', 'podAffinityTerm', podAffinityTerm),
  },
});

export const affinity: JsonSchema = {
  type: 'object',
  title: 'Affinity',
  description: 'A core/v1 Affinity for the predictor pods (lists bounded; the tenant policy limits the node keys and namespaces).',
  properties: {
    nodeAffinity,
    podAffinity: podAffinity('PodAffinity', 'Run near pods matching the terms.'),
    podAntiAffinity: podAffinity('PodAntiAffinity', 'Run away from pods matching the terms.'),
  },
};
