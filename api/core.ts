// core/v1: the kinds of the legacy core group ("" / v1).
export * from "./corev1/container";
export * from "./corev1/volume";
export * from "./corev1/scheduling";
export * from "./corev1/pod";
export * from "./corev1/node";
export * from "./corev1/service";
export * from "./corev1/misc";
