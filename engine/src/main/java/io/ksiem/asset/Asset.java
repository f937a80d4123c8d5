package io.ksiem.asset;

/** One entry of an {@code assets_*.json} file. */
public record Asset(String name, Cidr cidr, int value, boolean whitelisted) {
}
