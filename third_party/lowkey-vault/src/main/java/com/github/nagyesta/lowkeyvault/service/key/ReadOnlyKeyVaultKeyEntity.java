package com.github.nagyesta.lowkeyvault.service.key;

import com.github.nagyesta.lowkeyvault.model.v7_2.key.constants.EncryptionAlgorithm;
import com.github.nagyesta.lowkeyvault.model.v7_2.key.constants.KeyOperation;
import com.github.nagyesta.lowkeyvault.model.v7_2.key.constants.KeyType;
import com.github.nagyesta.lowkeyvault.model.v7_2.key.constants.SignatureAlgorithm;
import com.github.nagyesta.lowkeyvault.service.common.BaseVaultEntity;
import com.github.nagyesta.lowkeyvault.service.key.id.VersionedKeyEntityId;
import com.github.nagyesta.lowkeyvault.service.key.impl.KeyCreationInput;
import org.jspecify.annotations.Nullable;
import org.springframework.util.Assert;

import java.nio.charset.StandardCharsets;
import java.util.List;

public interface ReadOnlyKeyVaultKeyEntity
        extends BaseVaultEntity<VersionedKeyEntityId>, ReadOnlyDeletedEntity<VersionedKeyEntityId> {

    KeyType getKeyType();

    @SuppressWarnings("java:S1452")
        //we cannot know what kind of algorithm is used
    KeyCreationInput<?> keyCreationInput();

    default byte[] encrypt(
            final String clear,
            final EncryptionAlgorithm encryptionAlgorithm,
            final byte @Nullable [] iv) {
        Assert.hasText(clear, "Clear text must not be blank.");
        return encryptBytes(clear.getBytes(StandardCharsets.UTF_8), encryptionAlgorithm, iv);
    }

    default String decrypt(
            final byte[] encrypted,
            final EncryptionAlgorithm encryptionAlgorithm,
            final byte @Nullable [] iv) {
        return new String(decryptToBytes(encrypted, encryptionAlgorithm, iv));
    }

    byte[] encryptBytes(byte[] clear, EncryptionAlgorithm encryptionAlgorithm, byte @Nullable [] iv);

    byte[] decryptToBytes(byte[] encrypted, EncryptionAlgorithm encryptionAlgorithm, byte @Nullable [] iv);

    byte[] signBytes(byte[] digest, SignatureAlgorithm encryptionAlgorithm);

    boolean verifySignedBytes(byte[] digest, SignatureAlgorithm encryptionAlgorithm, byte[] signature);

    VersionedKeyEntityId getId();

    List<KeyOperation> getOperations();

}
